%% drover_epmd: an EPMD module for Erlang distribution (-epmd_module drover_epmd) that makes every
%% lookup through the node's LOCAL cEPMD (the one at ERL_EPMD_PORT on this host, served by the Drover
%% executor), which answers for the whole cluster from ZooKeeper.
%%
%% Why: stock erl_epmd resolves riak1@agent1 by dialing agent1 at the caller's own ERL_EPMD_PORT. Under
%% Mesos every task gets its own cEPMD port, so that only works when every cEPMD of a cluster listens on
%% the same port number. With this module a node never dials a remote epmd: it asks its own cEPMD for the
%% peer's distribution port, then connects to the peer's host at that port.
%%
%% Registration and everything else is erl_epmd's own (this module delegates): the node registers with its
%% local cEPMD exactly as a stock node does, so its name stays unique across the cluster.
%%
%% Needs OTP 21 or newer (address_please/3, which lets the module return the peer's port together with its
%% address; OTP 19-20 had -epmd_module but called port_please/2 with the remote host). Tested with OTP 25.
-module(drover_epmd).

-export([start_link/0,
         register_node/2, register_node/3,
         port_please/2, port_please/3,
         address_please/3,
         listen_port_please/2,
         names/0, names/1]).

%% The local cEPMD. erl_epmd connects to this address at ERL_EPMD_PORT (or -epmd_port) for every request.
-define(LOCAL_IPV4, {127,0,0,1}).
-define(LOCAL_IPV6, {0,0,0,0,0,0,0,1}).
%% How long a lookup may take: the cEPMD answers from a watched cache, or reads ZooKeeper on a miss.
-define(LOOKUP_TIMEOUT, 10000).

start_link() ->
    erl_epmd:start_link().

register_node(Name, Port) ->
    erl_epmd:register_node(Name, Port).

register_node(Name, Port, Family) ->
    erl_epmd:register_node(Name, Port, Family).

listen_port_please(Name, Host) ->
    erl_epmd:listen_port_please(Name, Host).

%% The peer's port, from the local cEPMD whatever host the peer is on.
port_please(Name, Host) ->
    port_please(Name, Host, ?LOOKUP_TIMEOUT).

port_please(Name, Host, Timeout) ->
    erl_epmd:port_please(Name, local_for(Host), Timeout).

%% OTP 21+: the distribution asks for the peer's address; answering with its port as well means
%% port_please/2 is not called with the remote host afterwards.
address_please(Name, Host, Family) ->
    case inet:getaddr(Host, Family) of
        {ok, Address} ->
            case erl_epmd:port_please(Name, local_for(Address), ?LOOKUP_TIMEOUT) of
                {port, Port, Version} -> {ok, Address, Port, Version};
                noport -> {error, noport};
                closed -> {error, closed};
                {error, _} = Error -> Error
            end;
        {error, _} = Error ->
            Error
    end.

%% net_adm:names/0,1: the local cEPMD knows this host's nodes (and, run standalone without a host, the
%% whole cluster's); a remote host's list is not ours to give.
names() ->
    erl_epmd:names(?LOCAL_IPV4).

names(_Host) ->
    names().

local_for(Address) when tuple_size(Address) =:= 8 -> ?LOCAL_IPV6;
local_for(_) -> ?LOCAL_IPV4.
