// The error helpers on failures built as they arrive from the wire, for the
// cases a live server does not produce on demand: metadata, a proxy's
// ErrorInfo beside Parley's, a reason newer than this client. The live shapes
// are covered by e2e.test.ts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { create, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorReason, errorInfo, errorReason, isReason, PARLEY_ERROR_DOMAIN } from "../errors.js";
import { ErrorInfoSchema } from "../gen/google/rpc/error_details_pb.js";
import { ErrorFrameSchema, ServerFrameSchema } from "../gen/parley/gateway/v1/gateway_pb.js";

/** A ConnectError as the gRPC transport decodes it: details still serialized. */
function wireError(code: Code, message: string, ...infos: MessageInitShape<typeof ErrorInfoSchema>[]): ConnectError {
  const err = new ConnectError(message, code);
  for (const info of infos) {
    err.details.push({ type: ErrorInfoSchema.typeName, value: toBinary(ErrorInfoSchema, create(ErrorInfoSchema, info)) });
  }
  return err;
}

test("a status's ErrorInfo gives the reason, its name and the metadata", () => {
  const err = wireError(Code.NotFound, "receiver not found", {
    reason: "ERROR_REASON_USER_NOT_FOUND",
    domain: PARLEY_ERROR_DOMAIN,
    metadata: { user_id: "nobody" },
  });
  assert.deepEqual(errorInfo(err), {
    reason: ErrorReason.USER_NOT_FOUND,
    reasonName: "ERROR_REASON_USER_NOT_FOUND",
    code: Code.NotFound,
    message: "receiver not found",
    metadata: { user_id: "nobody" },
    clientMsgId: "",
  });
  assert.equal(errorReason(err), ErrorReason.USER_NOT_FOUND);
  assert.ok(isReason(err, ErrorReason.USER_NOT_FOUND));
  assert.ok(isReason(err, ErrorReason.GROUP_NOT_FOUND, ErrorReason.USER_NOT_FOUND));
  assert.ok(!isReason(err, ErrorReason.GROUP_NOT_FOUND));
});

test("an ErrorInfo of another domain is not taken for Parley's", () => {
  const proxyOnly = wireError(Code.Unavailable, "upstream reset", { reason: "ERROR_REASON_KICKED", domain: "proxy.example" });
  assert.equal(errorReason(proxyOnly), undefined);
  assert.equal(errorInfo(proxyOnly)?.code, Code.Unavailable);

  const both = wireError(
    Code.PermissionDenied,
    "muted",
    { reason: "ERROR_REASON_KICKED", domain: "proxy.example" },
    { reason: "ERROR_REASON_MUTED", domain: PARLEY_ERROR_DOMAIN },
  );
  assert.equal(errorReason(both), ErrorReason.MUTED);
});

test("a reason this client does not know keeps its name but has no enum value", () => {
  const err = wireError(Code.FailedPrecondition, "new", { reason: "ERROR_REASON_FROM_THE_FUTURE", domain: PARLEY_ERROR_DOMAIN });
  const info = errorInfo(err);
  assert.equal(info?.reason, undefined);
  assert.equal(info?.reasonName, "ERROR_REASON_FROM_THE_FUTURE");
  assert.ok(!isReason(err, ErrorReason.UNSPECIFIED));

  const frame = create(ErrorFrameSchema, { code: Code.FailedPrecondition, reason: 9999 as ErrorReason });
  assert.equal(errorReason(frame), undefined);
  assert.equal(errorInfo(frame)?.reasonName, "9999");
});

test("a status without details has a code and no reason", () => {
  const err = new ConnectError("deadline", Code.DeadlineExceeded);
  assert.deepEqual(errorInfo(err), {
    reason: undefined,
    reasonName: "",
    code: Code.DeadlineExceeded,
    message: "deadline",
    metadata: {},
    clientMsgId: "",
  });
});

test("an ErrorFrame, bare or in its ServerFrame, gives its reason", () => {
  const frame = create(ErrorFrameSchema, {
    code: Code.NotFound,
    reason: ErrorReason.USER_NOT_FOUND,
    message: "receiver not found",
    clientMsgId: "m-1",
  });
  const expected = {
    reason: ErrorReason.USER_NOT_FOUND,
    reasonName: "ERROR_REASON_USER_NOT_FOUND",
    code: Code.NotFound,
    message: "receiver not found",
    metadata: {},
    clientMsgId: "m-1",
  };
  assert.deepEqual(errorInfo(frame), expected);
  const serverFrame = create(ServerFrameSchema, { requestId: "7", body: { case: "error", value: frame } });
  assert.deepEqual(errorInfo(serverFrame), expected);
  assert.ok(isReason(serverFrame, ErrorReason.USER_NOT_FOUND));
});

test("what is not a failure has no reason", () => {
  const pong = create(ServerFrameSchema, { body: { case: "pong", value: { clientTimeMs: 1n } } });
  for (const value of [pong, new TypeError("x"), undefined, { reason: ErrorReason.MUTED }]) {
    assert.equal(errorInfo(value), undefined);
    assert.ok(!isReason(value, ErrorReason.MUTED));
  }
  assert.equal(errorReason(create(ErrorFrameSchema, { code: Code.Internal })), undefined);
});
