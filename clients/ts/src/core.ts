// Platform-neutral part of the Parley client: typed service clients over any
// Connect transport (Node's gRPC transport from ./client.js, or a browser
// transport from @connectrpc/connect-web), a bearer-token interceptor and a
// small helper around the gateway's bidirectional stream. No Node imports.
import type { MessageInitShape } from "@bufbuild/protobuf";
import { createClient, type CallOptions, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { AdminService } from "./gen/parley/admin/v1/admin_pb.js";
import { AuthService } from "./gen/parley/auth/v1/auth_pb.js";
import { ConversationService } from "./gen/parley/conversation/v1/conversation_pb.js";
import { FileService } from "./gen/parley/file/v1/file_pb.js";
import {
  GatewayService,
  type ClientFrameSchema,
  type ServerFrame,
} from "./gen/parley/gateway/v1/gateway_pb.js";
import { GroupService } from "./gen/parley/group/v1/group_pb.js";
import { MsgService } from "./gen/parley/msg/v1/msg_pb.js";
import { RelationService } from "./gen/parley/relation/v1/relation_pb.js";
import { UserService } from "./gen/parley/user/v1/user_pb.js";

export * from "./errors.js";
export * from "./files.js";

export {
  AdminService,
  AuthService,
  ConversationService,
  FileService,
  GatewayService,
  GroupService,
  MsgService,
  RelationService,
  UserService,
};

/** One typed client per Parley service. */
export interface ParleyClients {
  auth: Client<typeof AuthService>;
  user: Client<typeof UserService>;
  msg: Client<typeof MsgService>;
  conversation: Client<typeof ConversationService>;
  group: Client<typeof GroupService>;
  relation: Client<typeof RelationService>;
  admin: Client<typeof AdminService>;
  gateway: Client<typeof GatewayService>;
  file: Client<typeof FileService>;
}

/** Creates the typed clients of every Parley service on one transport. */
export function createParleyClients(transport: Transport): ParleyClients {
  return {
    auth: createClient(AuthService, transport),
    user: createClient(UserService, transport),
    msg: createClient(MsgService, transport),
    conversation: createClient(ConversationService, transport),
    group: createClient(GroupService, transport),
    relation: createClient(RelationService, transport),
    admin: createClient(AdminService, transport),
    gateway: createClient(GatewayService, transport),
    file: createClient(FileService, transport),
  };
}

/** A token, or a function returning the current one (undefined: send none). */
export type TokenSource = string | (() => string | undefined | Promise<string | undefined>);

/**
 * Interceptor that sends `authorization: Bearer <token>` on every call that
 * does not already carry an authorization header.
 */
export function bearerAuth(token: TokenSource): Interceptor {
  return (next) => async (req) => {
    const value = typeof token === "function" ? await token() : token;
    if (value && !req.header.has("authorization")) {
      req.header.set("authorization", `Bearer ${value}`);
    }
    return next(req);
  };
}

/** Call options carrying `authorization: Bearer <token>`, for one call. */
export function withToken(token: string, options: CallOptions = {}): CallOptions {
  const headers = new Headers(options.headers);
  headers.set("authorization", `Bearer ${token}`);
  return { ...options, headers };
}

/** Turns "host:port" into "http://host:port"; URLs pass through unchanged. */
export function toBaseUrl(address: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(address) ? address : `http://${address}`;
}

/** A ClientFrame as accepted by `send` (plain object, `create()` not needed). */
export type ClientFrameInit = MessageInitShape<typeof ClientFrameSchema>;

/** An open gateway stream. */
export interface GatewayStream {
  /** Queues a frame for sending. Throws once the stream is closed. */
  send(frame: ClientFrameInit): void;
  /** The server's frames, in order; ends when the server closes the stream. */
  readonly frames: AsyncIterable<ServerFrame>;
  /** Half-closes the stream (no more frames from this side); `abort` also cancels it. */
  close(abort?: boolean): void;
}

/**
 * Opens GatewayService.Connect. Send an `auth` frame first and wait for the
 * `session` frame (see gateway.proto for the protocol). The stream has no
 * deadline (the transport's default timeout is not applied) unless
 * `options.timeoutMs` sets one.
 */
export function openGateway(
  gateway: Client<typeof GatewayService>,
  options: CallOptions = {},
): GatewayStream {
  const queue: ClientFrameInit[] = [];
  let wake: (() => void) | undefined;
  let closed = false;
  const controller = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;

  async function* outgoing(): AsyncGenerator<ClientFrameInit> {
    for (;;) {
      const frame = queue.shift();
      if (frame !== undefined) {
        yield frame;
      } else if (closed) {
        return;
      } else {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    }
  }

  return {
    send(frame) {
      if (closed) throw new Error("gateway stream is closed");
      queue.push(frame);
      wake?.();
    },
    frames: gateway.connect(outgoing(), { ...options, timeoutMs: options.timeoutMs ?? 0, signal }),
    close(abort = false) {
      closed = true;
      wake?.();
      if (abort) controller.abort();
    },
  };
}
