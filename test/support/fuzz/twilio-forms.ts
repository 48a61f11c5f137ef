import fc from "fast-check";
import twilio from "twilio";
import { inboundParams } from "../../../src/sandbox/phone";
import { anyText, contentTypes, type FuzzWorld, headerValue, junkBody, type Probe } from "./probe";

type Params = Record<string, string>;

const sid = (prefix: string): fc.Arbitrary<string> =>
  fc.stringMatching(new RegExp(`^${prefix}[0-9a-f]{32}$`));

/** Senders as Twilio reports them, and as a forger might write them. */
const sender = fc.oneof(
  { weight: 3, arbitrary: fc.stringMatching(/^\+1[2-9]\d{9}$/) },
  fc.stringMatching(/^\+[1-9]\d{6,14}$/),
  fc.constantFrom("whatsapp:+14155550100", "12345", "SMSTWEET", "+0", "", "+1415555010O", "++14155550100"),
  anyText,
);

/** An inbound text as Twilio posts it (SMS or MMS). */
export function inboundPayload(world: FuzzWorld): fc.Arbitrary<Params> {
  const media = fc.array(
    fc.record({
      url: fc.oneof(
        fc.constant("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"),
        fc.constantFrom("file:///etc/passwd", "data:text/plain,hi", "http://169.254.169.254/", "not a url"),
        fc.webUrl(),
      ),
      contentType: fc.constantFrom("image/jpeg", "image/gif", "video/mp4", "text/vcard", ""),
    }),
    { maxLength: 3 },
  );
  return fc
    .record({ from: sender, body: anyText, messageSid: sid("(SM|MM)"), media })
    .map((text) => inboundParams({ ...text, accountSid: world.accountSid, to: world.serviceNumber }));
}

/** A status callback for a text we sent (POST /sms/status). */
export function statusPayload(world: FuzzWorld): fc.Arbitrary<Params> {
  return fc
    .record({
      MessageSid:
        world.sentSids.length > 0 ? fc.oneof(sid("SM"), fc.constantFrom(...world.sentSids)) : sid("SM"),
      MessageStatus: fc.constantFrom("queued", "sent", "delivered", "undelivered", "failed", "read", "bogus"),
      ErrorCode: fc.option(fc.constantFrom("30003", "30005", "30006", "30007", "0", "abc"), {
        nil: undefined,
      }),
      To: sender,
    })
    .map(({ ErrorCode, ...fields }) => ({
      ...fields,
      SmsSid: fields.MessageSid,
      SmsStatus: fields.MessageStatus,
      AccountSid: world.accountSid,
      From: world.serviceNumber,
      ApiVersion: "2010-04-01",
      ...(ErrorCode === undefined ? {} : { ErrorCode }),
    }));
}

type Mutation = { op: "delete"; key: string } | { op: "set"; key: string; value: string };

function mutations(keys: string[]): fc.Arbitrary<Mutation[]> {
  const key = fc.oneof(
    fc.constantFrom(...keys),
    fc.constantFrom("NumMedia", "MediaUrl0", "AccountSid"),
    anyText,
  );
  const value = fc.oneof(
    anyText,
    fc.constantFrom("", "0", "11", "-1", "1e3", "NaN"),
    fc.stringMatching(/^\d{1,4}$/),
  );
  return fc.array(
    fc.oneof(
      fc.record({ op: fc.constant("delete" as const), key }),
      fc.record({ op: fc.constant("set" as const), key, value }),
    ),
    { maxLength: 4 },
  );
}

function mutate(params: Params, changes: Mutation[]): Params {
  const out = { ...params };
  for (const change of changes) {
    if (change.op === "delete") delete out[change.key];
    else out[change.key] = change.value;
  }
  return out;
}

/**
 * Twilio calling `path`: a payload, perhaps mutated, as a form (perhaps with a key twice, or not a form at
 * all), signed correctly, for another URL, before the mutation, at random, or not at all.
 */
export function twilioWebhook(path: string, payload: (world: FuzzWorld) => fc.Arbitrary<Params>) {
  return (world: FuzzWorld): fc.Arbitrary<Probe> =>
    payload(world)
      .chain((params) =>
        fc.record({
          original: fc.constant(params),
          changes: mutations(Object.keys(params)),
          signature: fc.constantFrom(
            "valid",
            "valid",
            "valid",
            "before_mutation",
            "other_url",
            "random",
            "missing",
          ),
          shape: fc.constantFrom("form", "form", "form", "duplicate_key", "junk", "oversize"),
          junk: junkBody,
          randomSignature: headerValue,
          contentType: contentTypes,
        }),
      )
      .map((draw) => {
        const fields = mutate(draw.original, draw.changes);
        const form = new URLSearchParams(fields).toString();
        const body =
          draw.shape === "junk"
            ? draw.junk
            : draw.shape === "duplicate_key"
              ? `${form}&From=%2B14155550999&MessageSid=SM${"0".repeat(32)}`
              : form;
        // Over the app's 64 KiB; the signature (below) covers the body without it.
        const padding = draw.shape === "oversize" ? 70_000 : undefined;
        const signedUrl = `${world.publicUrl}${path}`;
        // What the app will see: the fields of the body as sent (for a duplicate key, the last value).
        const seen = typeof body === "string" ? Object.fromEntries(new URLSearchParams(body)) : {};
        const signature = {
          valid: twilio.getExpectedTwilioSignature(world.authToken, signedUrl, seen),
          before_mutation: twilio.getExpectedTwilioSignature(world.authToken, signedUrl, draw.original),
          other_url: twilio.getExpectedTwilioSignature(world.authToken, `${world.publicUrl}/other`, seen),
          random: draw.randomSignature,
          missing: undefined,
        }[draw.signature];
        const headers: Record<string, string> = { "content-type": draw.contentType };
        if (signature !== undefined) headers["x-twilio-signature"] = signature;
        const mayStore =
          signature !== undefined && twilio.validateRequest(world.authToken, signature, signedUrl, seen);
        return { method: "POST", path, headers, body, mayStore, ...(padding ? { padding } : {}) };
      });
}
