// Why a Parley call failed, as a typed ErrorReason. The server states the
// reason in two shapes: a gRPC status (unary calls, and a gateway stream that
// ends in failure) carries a google.rpc.ErrorInfo detail whose `reason` is the
// enum value's proto name; a per-request failure on the open gateway stream
// is an ErrorFrame whose `reason` is the enum number. Apps should not have to
// know which shape they hold, so every helper here takes either.
import { isMessage } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema } from "./gen/google/rpc/error_details_pb.js";
import { ErrorReason, ErrorReasonSchema } from "./gen/parley/common/v1/common_pb.js";
import { ErrorFrameSchema, ServerFrameSchema, type ErrorFrame } from "./gen/parley/gateway/v1/gateway_pb.js";

export { Code, ErrorReason };

/** The ErrorInfo domain of Parley's reasons; ErrorInfo details of other domains (a proxy's) are ignored. */
export const PARLEY_ERROR_DOMAIN = "parley.dev";

/** What a failure says about itself, whichever shape it came in. */
export interface ParleyErrorInfo {
  /**
   * The stable reason, or undefined when the failure carries none (a transport
   * error, a detail-less status, ERROR_REASON_UNSPECIFIED) or one that this
   * client version does not know (a newer server's; see `reasonName`).
   */
  readonly reason: ErrorReason | undefined;
  /** The reason's proto name as sent, e.g. "ERROR_REASON_USER_NOT_FOUND"; "" when there is none. */
  readonly reasonName: string;
  /** The gRPC status code. */
  readonly code: Code;
  /** The server's detail (English, for logs rather than end users). */
  readonly message: string;
  /** The ErrorInfo metadata (context such as the offending id); empty when the server sent none. ErrorFrames carry none. */
  readonly metadata: Readonly<Record<string, string>>;
  /** For a send refused on the gateway stream: the client_msg_id of the message; "" otherwise. */
  readonly clientMsgId: string;
}

let reasonsByName: ReadonlyMap<string, ErrorReason> | undefined;

function reasonOfName(name: string): ErrorReason | undefined {
  reasonsByName ??= new Map(ErrorReasonSchema.values.map((v) => [v.name, v.number as ErrorReason]));
  const reason = reasonsByName.get(name);
  return reason === ErrorReason.UNSPECIFIED ? undefined : reason;
}

function fromConnectError(err: ConnectError): ParleyErrorInfo {
  const info = err.findDetails(ErrorInfoSchema).find((d) => d.domain === PARLEY_ERROR_DOMAIN);
  const reasonName = info?.reason ?? "";
  return {
    reason: reasonOfName(reasonName),
    reasonName,
    code: err.code,
    message: err.rawMessage,
    metadata: { ...info?.metadata },
    clientMsgId: "",
  };
}

function fromErrorFrame(frame: ErrorFrame): ParleyErrorInfo {
  const known = ErrorReasonSchema.value[frame.reason];
  return {
    reason: known && frame.reason !== ErrorReason.UNSPECIFIED ? frame.reason : undefined,
    reasonName: frame.reason === ErrorReason.UNSPECIFIED ? "" : (known?.name ?? String(frame.reason)),
    code: frame.code as Code,
    message: frame.message,
    metadata: {},
    clientMsgId: frame.clientMsgId,
  };
}

/**
 * Reads a failure: a `ConnectError` thrown by a call or a gateway stream, an
 * `ErrorFrame`, or a `ServerFrame` whose body is one. Anything else (a
 * TypeError, a non-error frame) gives undefined.
 */
export function errorInfo(failure: unknown): ParleyErrorInfo | undefined {
  // instanceof, not a prototype check: ConnectError's own hasInstance also
  // accepts errors from a second copy of @connectrpc/connect in the app.
  if (failure instanceof ConnectError) return fromConnectError(failure);
  if (isMessage(failure, ErrorFrameSchema)) return fromErrorFrame(failure);
  if (isMessage(failure, ServerFrameSchema) && failure.body.case === "error") return fromErrorFrame(failure.body.value);
  return undefined;
}

/** The ErrorReason of a failure (see `errorInfo`), or undefined when it carries none this client knows. */
export function errorReason(failure: unknown): ErrorReason | undefined {
  return errorInfo(failure)?.reason;
}

/** Whether a failure (see `errorInfo`) has one of the given reasons. */
export function isReason(failure: unknown, ...reasons: ErrorReason[]): boolean {
  const reason = errorReason(failure);
  return reason !== undefined && reasons.includes(reason);
}
