"""A drover.v1.Discovery client in Python, as another team would write one: Debian's python3-grpcio and
python3-protobuf, messages generated from proto/drover/v1/discovery.proto by Debian's protoc (no
grpcio-tools: the calls go through grpc's generic stubs by method path).

Usage: discovery_client.py <host:port> <cluster>
Prints one JSON object per line; after the watch's snapshot it waits for one more event.
"""
import json
import sys

import grpc

from drover.v1 import discovery_pb2 as pb

SERVICE = "/drover.v1.Discovery/"


def unary(channel, method, request_type, response_type):
    return channel.unary_unary(SERVICE + method,
                               request_serializer=request_type.SerializeToString,
                               response_deserializer=response_type.FromString)


def say(**fields):
    print(json.dumps(fields), flush=True)


def main():
    target, cluster = sys.argv[1], sys.argv[2]
    with grpc.insecure_channel(target) as channel:
        list_clusters = unary(channel, "ListClusters", pb.ListClustersRequest, pb.ListClustersResponse)
        list_nodes = unary(channel, "ListNodes", pb.ListNodesRequest, pb.ListNodesResponse)
        resolve = unary(channel, "Resolve", pb.ResolveRequest, pb.ResolveResponse)
        watch = channel.unary_stream(SERVICE + "WatchNodes",
                                     request_serializer=pb.WatchNodesRequest.SerializeToString,
                                     response_deserializer=pb.WatchNodesResponse.FromString)

        clusters = list_clusters(pb.ListClustersRequest(), timeout=30)
        say(clusters=[c.name for c in clusters.clusters])

        nodes, call = list_nodes.with_call(pb.ListNodesRequest(cluster=cluster, only_healthy=True), timeout=30)
        age = dict(call.initial_metadata()).get("drover-view-age-ms")
        say(nodes=[n.name for n in nodes.nodes], live=nodes.freshness.live, age_ms=age,
            state=pb.NodeLifecycle.Name(nodes.nodes[0].state), ports={p.name: p.number for p in nodes.nodes[0].ports})

        answer = resolve(pb.ResolveRequest(cluster=cluster, node=nodes.nodes[0].name, port_name="pb"), timeout=30)
        say(resolve="%s:%d" % (answer.host, answer.port))

        for request in (pb.ListNodesRequest(cluster=""), pb.ListNodesRequest(cluster="no-such-cluster")):
            try:
                list_nodes(request, timeout=30)
                say(error=None)
            except grpc.RpcError as error:
                say(error=error.code().name, detail=error.details())

        stream = watch(pb.WatchNodesRequest(cluster=cluster), timeout=60)
        first = next(stream)
        say(watch=pb.WatchNodesResponse.Type.Name(first.type), nodes=[n.name for n in first.nodes])
        event = next(stream)
        say(event=pb.WatchNodesResponse.Type.Name(event.type), node=event.nodes[0].name)
        stream.cancel()


if __name__ == "__main__":
    main()
