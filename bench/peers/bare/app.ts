// The stack's ceiling for the webhook-ingest benchmark: Bun.serve reading the form and replying TwiML, no other work.
const TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';
Bun.serve({
  port: Number(process.env.PORT ?? 3100),
  hostname: "127.0.0.1",
  async fetch(req) {
    await req.formData();
    return new Response(TWIML, { headers: { "content-type": "text/xml" } });
  },
});
