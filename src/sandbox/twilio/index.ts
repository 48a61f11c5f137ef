export { type ServedStandIn, type ServeOptions, serveTwilioStandIn } from "./serve";
export { createTwilioStandIn } from "./stand-in";
export type {
  InjectedResponse,
  RawBody,
  RecordedRequest,
  SentMessage,
  TwilioStandIn,
  TwilioStandInOptions,
} from "./types";
