export { type ServedStandIn, type ServeOptions, serveTwilioStandIn } from "./serve";
export { createTwilioStandIn } from "./stand-in";
export {
  callbackParams,
  type DeliveryFailure,
  type PostedCallback,
  type StatusCallbacks,
} from "./status-callbacks";
export type {
  InjectedResponse,
  RawBody,
  RecordedRequest,
  SentMessage,
  TwilioStandIn,
  TwilioStandInOptions,
} from "./types";
