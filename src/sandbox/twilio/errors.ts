/** Twilio's REST error body, exactly as the twilio client parses it into a RestException. */
export type TwilioErrorBody = { code: number; message: string; more_info: string; status: number };

export function twilioErrorBody(status: number, code: number, message: string): TwilioErrorBody {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

export function twilioError(status: number, code: number, message: string): Response {
  return Response.json(twilioErrorBody(status, code, message), { status });
}

export const unauthenticated = (): Response => twilioError(401, 20003, "Authenticate");

export const notFound = (path: string): Response =>
  twilioError(404, 20404, `The requested resource ${path} was not found`);

export const methodNotAllowed = (): Response => twilioError(405, 20004, "Method not allowed");
