/// Parley API stubs. The generated libraries live in `src/gen/parley/<area>/v1/`
/// after `make gen`; import them directly, e.g.
/// `package:parley_proto/src/gen/parley/gateway/v1/gateway.pbgrpc.dart`.
library parley_proto;
