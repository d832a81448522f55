/**
 * Replaces the MCP SDK's `validation/ajv-provider.js` in the deploy bundle (wrangler.toml `[alias]`).
 * The SDK's server builds a JSON Schema validator by default (used only to check elicitation answers)
 * and imports Ajv, ajv-formats and fast-uri statically for it (~140 KB minified). The SDK ships a
 * validator made for Workers (@cfworker/json-schema, no code generation); the bundle uses it under
 * the name the server imports. Tests run against the SDK as published.
 */
export { CfWorkerJsonSchemaValidator as AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
