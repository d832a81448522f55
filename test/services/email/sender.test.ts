import { describe, expect, it } from "vitest";
import { CloudflareEmailSender, DevOutboxSender, emailSender, type SendEmailBinding } from "../../../src/services/email";
import { env } from "../../helpers/harness";
import { testContext } from "../../helpers/service-context";

/** A local double of the `send_email` binding: records what it is asked to send. */
function bindingDouble(fail = false) {
  const sent: unknown[] = [];
  const binding: SendEmailBinding = {
    async send(message) {
      if (fail) throw new Error("destination not verified");
      sent.push(message);
      return { messageId: "<double@drape.test>" };
    },
  };
  return { binding, sent };
}

const message = { to: "jane@example.com", subject: "Hello", text: "Open http://x.test/a", html: "<p>Open</p>" };

describe("email senders", () => {
  it("the Cloudflare sender sends the builder form from EMAIL_FROM, named Drape", async () => {
    const { binding, sent } = bindingDouble();
    await new CloudflareEmailSender(binding, "no-reply@drape.example.com").send(message);
    expect(sent).toEqual([
      { from: { email: "no-reply@drape.example.com", name: "Drape" }, to: "jane@example.com", subject: "Hello", text: message.text, html: message.html },
    ]);
  });

  it("a delivery failure reaches the caller (flows that must stay silent catch it themselves)", async () => {
    const { binding } = bindingDouble(true);
    await expect(new CloudflareEmailSender(binding, "no-reply@drape.example.com").send(message)).rejects.toThrow(/destination/);
  });

  it("the real (local) send_email binding accepts what the sender sends", async () => {
    const binding = (env as unknown as { EMAIL: SendEmailBinding }).EMAIL;
    await expect(new CloudflareEmailSender(binding, "no-reply@drape.example.com").send(message)).resolves.toBeUndefined();
  });

  it("configuration chooses: the outbox locally (auto), Cloudflare when asked, and a clear error without EMAIL_FROM", async () => {
    expect(emailSender(testContext().ctx)).toBeInstanceOf(DevOutboxSender);
    expect(emailSender(testContext({ EMAIL_SENDER: "cloudflare", EMAIL_FROM: "no-reply@drape.example.com" }).ctx)).toBeInstanceOf(CloudflareEmailSender);
    expect(emailSender(testContext({ EMAIL_SENDER: "auto", ENVIRONMENT: "production", EMAIL_FROM: "no-reply@drape.example.com" }).ctx)).toBeInstanceOf(
      CloudflareEmailSender,
    );
    expect(() => emailSender(testContext({ EMAIL_SENDER: "cloudflare", EMAIL_FROM: "" }).ctx)).toThrow(/EMAIL_FROM/);
  });

  it("the dev outbox stores the message in D1", async () => {
    const { ctx } = testContext();
    await new DevOutboxSender(ctx).send({ ...message, to: "outbox-test@example.com" });
    const row = await env.DB.prepare('SELECT subject, text, html FROM dev_outbox WHERE "to" = ?').bind("outbox-test@example.com").first();
    expect(row).toEqual({ subject: "Hello", text: message.text, html: message.html });
  });
});
