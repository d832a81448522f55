/**
 * Replaces the MCP SDK's `validation/ajv-provider.js` in the deploy bundle (wrangler.toml `[alias]`).
 * The SDK's server builds a JSON Schema validator in its constructor, used only to check a client's
 * answer to an elicitation (`elicitInput`), and imports Ajv, ajv-formats and fast-uri for it
 * (~140 KB minified). Drape's MCP server never elicits, and Ajv compiles validators with
 * `new Function`, which workerd forbids, so the Ajv validator could not run in the Worker anyway:
 * this one says so if it is ever asked. (The SDK's other validator, @cfworker/json-schema, reads
 * `self.location` at load and fails the Worker's startup under workerd.) Tests run the SDK as published.
 */
import type { JsonSchemaValidator, jsonSchemaValidator } from "@modelcontextprotocol/sdk/validation";

export class AjvJsonSchemaValidator implements jsonSchemaValidator {
  getValidator<T>(): JsonSchemaValidator<T> {
    throw new Error("JSON Schema validation (MCP elicitation) is not part of Drape's Worker: its MCP server never elicits.");
  }
}
