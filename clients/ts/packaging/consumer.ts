// An app that uses @parley/client as published: tests/clients/test_ts.py
// installs the `npm pack` tarball into a fresh project, compiles this file
// there against the package's own type declarations and runs it against a
// live server. Everything it imports goes through the package's `exports`.
//   PARLEY_TEST_ADDR  host:port of the server (plaintext gRPC)
import { bytesSource, Code, connectParley, downloadFile, errorInfo, errorReason, ErrorReason, fileSource, isReason, uploadFile } from "@parley/client";
import { createParleyClients } from "@parley/client/core";
import { create } from "@bufbuild/protobuf";
import { ErrorFrameSchema } from "@parley/client/gen/parley/gateway/v1/gateway_pb";

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`consumer: ${what}`);
}

const address = process.env.PARLEY_TEST_ADDR;
check(address !== undefined && address !== "", "PARLEY_TEST_ADDR is not set");
check(typeof createParleyClients === "function", "the ./core entry has no createParleyClients");

const api = connectParley({ address: address!, timeoutMs: 10_000 });
let failure: unknown;
try {
  await api.auth.getAdminToken({ secret: "not-the-secret" });
} catch (err) {
  failure = err;
} finally {
  api.close();
}
check(failure !== undefined, "GetAdminToken with a wrong secret succeeded");
const info = errorInfo(failure);
check(isReason(failure, ErrorReason.SECRET_INVALID), `wrong secret: reason ${info?.reasonName || "none"}, code ${info?.code}`);
check(info?.code === Code.Unauthenticated, `wrong secret: code ${info?.code}`);

const frame = create(ErrorFrameSchema, { code: Code.NotFound, reason: ErrorReason.USER_NOT_FOUND, clientMsgId: "m-1" });
check(errorReason(frame) === ErrorReason.USER_NOT_FOUND, "an ErrorFrame's reason is not read");

check([uploadFile, downloadFile, fileSource].every((f) => typeof f === "function"), "the main entry lacks the file helpers");
const abc = await bytesSource(new TextEncoder().encode("abc"), "abc.txt").sha256();
check(abc === "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", `SHA-256 of "abc": ${abc}`);

console.log(`consumer ok: ${info?.reasonName} from the server, ERROR_REASON_USER_NOT_FOUND from an ErrorFrame`);
