"""Server reflection, `grpc.reflection.v1` and `v1alpha`, that explains the contract.

The generated modules' descriptors carry no source info, so grpcio-reflection's
servicer serves bare signatures. This one serves the files of
`parley/contract.binpb` (written by `make gen` with `--include_source_info`) as
compiled, so `grpcurl describe` shows the comment of every service, RPC and
field. Undecodable request bytes get INVALID_ARGUMENT like every other call.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from importlib.resources import files
from typing import Any

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool
from google.protobuf.descriptor import FileDescriptor
from grpc_reflection.v1alpha import reflection_pb2 as rpb

from parley.api.decoding import BAD_REQUEST, safe_decoder
from parley.errors import invalid

V1ALPHA = rpb.DESCRIPTOR.services_by_name["ServerReflection"].full_name
V1 = "grpc.reflection.v1.ServerReflection"
CONTRACT = "contract.binpb"


def contract_files() -> list[descriptor_pb2.FileDescriptorProto]:
    data = (files("parley") / CONTRACT).read_bytes()
    return list(descriptor_pb2.FileDescriptorSet.FromString(data).file)


def with_dependencies(fd: FileDescriptor) -> list[descriptor_pb2.FileDescriptorProto]:
    """A generated module's file and its imports, dependencies first."""
    out = [f for dep in fd.dependencies for f in with_dependencies(dep)]
    proto = descriptor_pb2.FileDescriptorProto()
    fd.CopyToProto(proto)
    return [*out, proto]


def v1_reflection_file() -> descriptor_pb2.FileDescriptorProto:
    """`grpc/reflection/v1/reflection.proto`, which grpcio-reflection does not
    ship: v1 is v1alpha under another package name, field for field."""
    proto = descriptor_pb2.FileDescriptorProto()
    rpb.DESCRIPTOR.CopyToProto(proto)
    old, new = f".{rpb.DESCRIPTOR.package}.", ".grpc.reflection.v1."
    proto.name = "grpc/reflection/v1/reflection.proto"
    proto.package = new.strip(".")
    proto.ClearField("options")

    def renamed(name: str) -> str:
        return new + name.removeprefix(old) if name.startswith(old) else name

    def rename_in(messages: Iterable[descriptor_pb2.DescriptorProto]) -> None:
        for message in messages:
            for field in message.field:
                if field.HasField("type_name"):
                    field.type_name = renamed(field.type_name)
            rename_in(message.nested_type)

    rename_in(proto.message_type)
    for service in proto.service:
        for method in service.method:
            method.input_type = renamed(method.input_type)
            method.output_type = renamed(method.output_type)
    return proto


class Descriptors:
    """Every file reflection may answer with, by name, and a pool to find symbols."""

    def __init__(self, protos: Iterable[descriptor_pb2.FileDescriptorProto]) -> None:
        self.pool = descriptor_pool.DescriptorPool()
        self.files: dict[str, descriptor_pb2.FileDescriptorProto] = {}
        for proto in protos:
            if proto.name not in self.files:
                self.pool.Add(proto)
                self.files[proto.name] = proto

    def closure(self, name: str) -> list[bytes]:
        """The file and everything it imports, serialized as compiled."""
        seen: dict[str, bytes] = {}

        def visit(n: str) -> None:
            if n not in seen:
                seen[n] = self.files[n].SerializeToString()
                for dep in self.files[n].dependency:
                    visit(dep)

        visit(name)
        return list(seen.values())


class ReflectionServicer:
    def __init__(self, service_names: Iterable[str], descriptors: Descriptors) -> None:
        self.service_names = sorted({*service_names, V1, V1ALPHA})
        self.descriptors = descriptors

    async def info(
        self, requests: AsyncIterator[Any], context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[rpb.ServerReflectionResponse]:
        async for request in requests:
            if request is BAD_REQUEST:
                await context.abort_with_status(
                    invalid("reflection request could not be decoded").to_status()
                )
            yield self.answer(request)

    def answer(self, request: rpb.ServerReflectionRequest) -> rpb.ServerReflectionResponse:
        pool = self.descriptors.pool
        kind = request.WhichOneof("message_request")
        try:
            if kind == "list_services":
                return rpb.ServerReflectionResponse(
                    original_request=request,
                    list_services_response=rpb.ListServiceResponse(
                        service=[rpb.ServiceResponse(name=n) for n in self.service_names]
                    ),
                )
            if kind == "file_by_filename":
                name = pool.FindFileByName(request.file_by_filename).name
            elif kind == "file_containing_symbol":
                name = pool.FindFileContainingSymbol(request.file_containing_symbol).name
            elif kind == "file_containing_extension":
                wanted = request.file_containing_extension
                base = pool.FindMessageTypeByName(wanted.containing_type)
                extension = pool.FindExtensionByNumber(base, wanted.extension_number)
                name = pool.FindFileContainingSymbol(extension.full_name).name
            elif kind == "all_extension_numbers_of_type":
                base = pool.FindMessageTypeByName(request.all_extension_numbers_of_type)
                numbers = sorted(e.number for e in pool.FindAllExtensions(base))
                return rpb.ServerReflectionResponse(
                    original_request=request,
                    all_extension_numbers_response=rpb.ExtensionNumberResponse(
                        base_type_name=base.full_name, extension_number=numbers
                    ),
                )
            else:
                return error(request, grpc.StatusCode.INVALID_ARGUMENT, "no request in the frame")
        except KeyError:
            return error(request, grpc.StatusCode.NOT_FOUND, "not found")
        return rpb.ServerReflectionResponse(
            original_request=request,
            file_descriptor_response=rpb.FileDescriptorResponse(
                file_descriptor_proto=self.descriptors.closure(name)
            ),
        )


def error(
    request: rpb.ServerReflectionRequest, code: grpc.StatusCode, message: str
) -> rpb.ServerReflectionResponse:
    return rpb.ServerReflectionResponse(
        original_request=request,
        error_response=rpb.ErrorResponse(error_code=code.value[0], error_message=message),
    )


def add_reflection(
    server: grpc.aio.Server, service_names: Iterable[str], extra: Iterable[FileDescriptor]
) -> None:
    """Serves reflection for the contract and the `extra` files (health, ...)."""
    descriptors = Descriptors(
        [
            *contract_files(),
            *(p for fd in (*extra, rpb.DESCRIPTOR) for p in with_dependencies(fd)),
            v1_reflection_file(),
        ]
    )
    servicer = ReflectionServicer(service_names, descriptors)
    handler = grpc.stream_stream_rpc_method_handler(
        servicer.info,
        request_deserializer=safe_decoder(rpb.ServerReflectionRequest.FromString),
        response_serializer=rpb.ServerReflectionResponse.SerializeToString,
    )
    server.add_generic_rpc_handlers(
        tuple(
            grpc.method_handlers_generic_handler(name, {"ServerReflectionInfo": handler})
            for name in (V1, V1ALPHA)
        )
    )
