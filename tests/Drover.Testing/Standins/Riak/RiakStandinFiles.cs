namespace Drover.Testing.Standins.Riak;

/// <summary>The stand-in's files, written into a fake Riak install by <see cref="RiakStandinInstall"/>.</summary>
internal static class RiakStandinFiles
{
    /// <summary>
    /// bin/riak: `riak console [erl flags]` starts the node (the flags, e.g. -noinput, go to erl as Riak's
    /// console passes them on); `riak admin ...` is riak-admin, as on Riak 3.
    /// </summary>
    public const string Riak = """
        #!/bin/sh
        # Riak stand-in for Drover's tests: `riak console [erl flags]` runs a real Erlang node that serves what
        # Drover uses of Riak (lib/riak_standin.erl). riak.conf is found as relx/cuttlefish start scripts find
        # it: in $RUNNER_ETC_DIR, else <install>/etc.
        RUNNER_SCRIPT_DIR=$(cd "${0%/*}" && pwd)
        RUNNER_BASE_DIR=${RUNNER_SCRIPT_DIR%/*}
        RUNNER_ETC_DIR=${RUNNER_ETC_DIR:-$RUNNER_BASE_DIR/etc}
        . "$RUNNER_BASE_DIR/lib/standin.sh"

        case "$1" in
            console)
                shift
                MIN=$(conf 'erlang\.distribution\.port_range\.minimum')
                MAX=$(conf 'erlang\.distribution\.port_range\.maximum')
                if [ -n "$MIN" ]; then set -- -kernel inet_dist_listen_min "$MIN" "$@"; fi
                if [ -n "$MAX" ]; then set -- -kernel inet_dist_listen_max "$MAX" "$@"; fi
                RIAK_STANDIN_CONF="$CONF"
                RIAK_STANDIN_SRC="$RUNNER_BASE_DIR/lib/riak_standin.erl"
                export RIAK_STANDIN_CONF RIAK_STANDIN_SRC
                exec "$ERL" -name "$NODENAME" -setcookie "$COOKIE" -start_epmd false -eval "$BOOT" "$@"
                ;;
            admin)
                shift
                if [ -x "$RUNNER_SCRIPT_DIR/riak-admin" ]; then
                    exec "$RUNNER_SCRIPT_DIR/riak-admin" "$@"
                fi
                exec "$RUNNER_BASE_DIR/lib/riak-admin" "$@"
                ;;
            *)
                echo "Usage: riak { console | admin } (Drover's Riak stand-in)" >&2
                exit 1
                ;;
        esac

        """;

    /// <summary>bin/riak-admin: a hidden Erlang node that runs the command on the local Riak node by rpc, as nodetool does.</summary>
    public const string RiakAdmin = """
        #!/bin/sh
        # riak-admin stand-in: runs the command on the local node (nodename in riak.conf) over Erlang
        # distribution, through the EPMD at $ERL_EPMD_PORT, as Riak's nodetool does.
        RUNNER_SCRIPT_DIR=$(cd "${0%/*}" && pwd)
        RUNNER_BASE_DIR=${RUNNER_SCRIPT_DIR%/*}
        RUNNER_ETC_DIR=${RUNNER_ETC_DIR:-$RUNNER_BASE_DIR/etc}
        . "$RUNNER_BASE_DIR/lib/standin.sh"

        exec "$ERL" -name "riak_admin_$$@${NODENAME#*@}" -setcookie "$COOKIE" -hidden -start_epmd false \
            -noshell -noinput -eval "$ADMIN" -extra "$NODENAME" "$@"

        """;

    /// <summary>lib/standin.sh, sourced by both scripts; @ERL@ is replaced by the erl to run.</summary>
    public const string Shared = """
        # Shared by the stand-in's bin/riak and bin/riak-admin: riak.conf values and the Erlang snippets.
        ERL=@ERL@
        CONF="$RUNNER_ETC_DIR/riak.conf"

        # The last "key = value" line of a key (a sed pattern): cuttlefish lets the last one win.
        conf() {
            sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*//p" "$CONF" | tail -n 1 | sed 's/[[:space:]]*$//'
        }

        if [ ! -r "$CONF" ]; then
            echo "riak stand-in: no readable riak.conf in $RUNNER_ETC_DIR" >&2
            exit 1
        fi
        NODENAME=$(conf nodename)
        COOKIE=$(conf distributed_cookie)
        if [ -z "$NODENAME" ] || [ -z "$COOKIE" ]; then
            echo "riak stand-in: $CONF needs nodename and distributed_cookie" >&2
            exit 1
        fi

        # Compiled at every start, in the node: no erlc run, no shared .beam two nodes could race on.
        BOOT='try
            Src = os:getenv("RIAK_STANDIN_SRC"),
            {ok, Module, Beam} = compile:file(Src, [binary, report]),
            {module, Module} = code:load_binary(Module, Src, Beam),
            ok = riak_standin:start()
        catch Class:Reason ->
            io:format(standard_error, "riak stand-in failed to start: ~p:~p~n", [Class, Reason]),
            erlang:halt(1)
        end.'

        ADMIN='[Target | Args] = init:get_plain_arguments(),
        Node = list_to_atom(Target),
        case net_adm:ping(Node) of
            pang ->
                io:put_chars("Node is not running!\n"),
                erlang:halt(1);
            pong ->
                case rpc:call(Node, riak_standin, admin, [Args], 60000) of
                    {Output, Status} ->
                        io:put_chars(Output),
                        erlang:halt(Status);
                    Other ->
                        io:format("riak-admin failed: ~p~n", [Other]),
                        erlang:halt(1)
                end
        end.'

        """;

    /// <summary>lib/riak_standin.erl: the node itself.</summary>
    public const string Erlang = """
        %% Drover's Riak stand-in: a real Erlang node that behaves, on the surfaces Drover uses, like Riak KV:
        %% GET /ping on listener.http.internal answers "OK" (inets httpd, like Riak's webmachine on mochiweb);
        %% listener.protobuf.internal answers RpbPingReq and RpbGetServerInfoReq; handoff.port accepts
        %% connections; the riak-admin cluster join/leave/plan/commit, ringready and transfers commands work across
        %% nodes over Erlang distribution, with Riak's output texts. It reads riak.conf (cuttlefish "key = value" lines).
        %% Every riak-admin command it runs is recorded on its own stdout ("riak-admin <args> -> <status>; nodes()
        %% [...]"): what it was asked, and which nodes it was connected to then. A node that leaves hands its
        %% partitions off (a second), then stops (exit 0), as Riak does once a leave is complete.
        %% Test hook: a file <platform_data_dir>/standin-unhealthy makes /ping answer 500, or, when it holds
        %% "body", 200 with a body that is not "OK".
        -module(riak_standin).
        -include_lib("inets/include/httpd.hrl").
        -export([do/1]).
        -export([start/0, admin/1, ring/0, ring_size/0, stage/1, set_ring/2, claimant/0, plan/0, commit/0, hand_off/0, transfers/0]).
        
        -define(STATE, riak_standin_state).
        
        start() ->
            Path = case os:getenv("RIAK_STANDIN_CONF") of
                       false -> exit_with("RIAK_STANDIN_CONF is not set");
                       P -> P
                   end,
            Conf = read_conf(Path),
            DataDir = required(Conf, "platform_data_dir"),
            RingSize = list_to_integer(value(Conf, "ring_size", "64")),
            ok = filelib:ensure_dir(filename:join(DataDir, "x")),
            {HttpIp, HttpPort} = address(required(Conf, "listener.http.internal")),
            {PbIp, PbPort} = address(required(Conf, "listener.protobuf.internal")),
            HandoffPort = list_to_integer(required(Conf, "handoff.port")),
            HandoffIp = value(Conf, "handoff.ip", "0.0.0.0"),
            State = spawn(fun() -> state_loop(#{ring_size => RingSize, members => [node()], claimant => node(),
                                                  staged => [], planned => false, version => 1, leaving => []}) end),
            register(?STATE, State),
            persistent_term:put(riak_standin_data_dir, DataDir),
            ok = inets:start(),
            case inets:start(httpd, [{port, HttpPort}, {bind_address, HttpIp}, {server_name, "riak-standin"},
                                     {server_root, DataDir}, {document_root, DataDir}, {modules, [riak_standin]}]) of
                {ok, _} -> ok;
                {error, HttpdError} -> exit_with(io_lib:format("cannot serve HTTP on port ~p: ~p", [HttpPort, HttpdError]))
            end,
            listen(pb, PbIp, PbPort, fun pb_serve/1),
            listen(handoff, parse_ip(HandoffIp), HandoffPort, fun gen_tcp:close/1),
            io:format("riak stand-in ~s up: http ~p, pb ~p, handoff ~p, ring_size ~p~n",
                      [node(), HttpPort, PbPort, HandoffPort, RingSize]),
            ok.
        
        exit_with(Message) ->
            io:format(standard_error, "riak stand-in: ~s~n", [Message]),
            erlang:halt(1).
        
        %% riak.conf: "key = value" per line, '#' starts a comment line; the last occurrence wins (cuttlefish).
        read_conf(Path) ->
            case file:read_file(Path) of
                {ok, Bin} ->
                    Lines = string:split(binary_to_list(Bin), "\n", all),
                    lists:foldl(fun(Line, Acc) ->
                                        case string:trim(Line) of
                                            "" -> Acc;
                                            "#" ++ _ -> Acc;
                                            Trimmed ->
                                                case string:split(Trimmed, "=") of
                                                    [K, V] -> maps:put(string:trim(K), string:trim(V), Acc);
                                                    _ -> exit_with("riak.conf line without '=': " ++ Trimmed)
                                                end
                                        end
                                end, #{}, Lines);
                {error, Reason} ->
                    exit_with(io_lib:format("cannot read ~s: ~p", [Path, Reason]))
            end.
        
        value(Conf, Key, Default) -> maps:get(Key, Conf, Default).
        
        required(Conf, Key) ->
            case maps:find(Key, Conf) of
                {ok, V} -> V;
                error -> exit_with("riak.conf has no " ++ Key)
            end.
        
        address(Text) ->
            [PortText | Rest] = lists:reverse(string:split(Text, ":", all)),
            {parse_ip(string:join(lists:reverse(Rest), ":")), list_to_integer(PortText)}.
        
        parse_ip(Text) ->
            {ok, Ip} = inet:parse_address(Text),
            Ip.
        
        listen(What, Ip, Port, Handle) ->
            case gen_tcp:listen(Port, [binary, {ip, Ip}, {reuseaddr, true}, {active, false}, {backlog, 64}]) of
                {ok, Listen} ->
                    Pid = spawn(fun() -> accept_loop(Listen, Handle) end),
                    ok = gen_tcp:controlling_process(Listen, Pid);
                {error, Reason} ->
                    exit_with(io_lib:format("cannot listen for ~p on port ~p: ~p", [What, Port, Reason]))
            end.
        
        %% Riak's protocol buffers port, as far as clients check it: frames of a 32-bit big-endian length, a
        %% message code and a body. RpbPingReq (1) gets RpbPingResp (2); RpbGetServerInfoReq (7) gets
        %% RpbGetServerInfoResp (8) naming this node; any other code RpbErrorResp (0). Until the client closes.
        pb_serve(Socket) ->
            case gen_tcp:recv(Socket, 4) of
                {ok, <<Length:32/big>>} when Length >= 1, Length =< 65536 ->
                    case gen_tcp:recv(Socket, Length) of
                        {ok, <<1, _/binary>>} ->
                            ok = gen_tcp:send(Socket, <<1:32/big, 2>>),
                            pb_serve(Socket);
                        {ok, <<7, _/binary>>} ->
                            Node = atom_to_binary(node(), utf8),
                            Version = <<"riak-standin">>,
                            Body = <<8, 10, (byte_size(Node)), Node/binary, 18, (byte_size(Version)), Version/binary>>,
                            ok = gen_tcp:send(Socket, <<(byte_size(Body)):32/big, Body/binary>>),
                            pb_serve(Socket);
                        {ok, _} ->
                            Message = <<"unknown message code">>,
                            Body = <<0, 10, (byte_size(Message)), Message/binary, 16, 1>>,
                            ok = gen_tcp:send(Socket, <<(byte_size(Body)):32/big, Body/binary>>),
                            pb_serve(Socket);
                        _ ->
                            gen_tcp:close(Socket)
                    end;
                _ ->
                    gen_tcp:close(Socket)
            end.

        accept_loop(Listen, Handle) ->
            case gen_tcp:accept(Listen) of
                {ok, Socket} ->
                    Pid = spawn(fun() -> receive go -> Handle(Socket) end end),
                    ok = gen_tcp:controlling_process(Socket, Pid),
                    Pid ! go,
                    accept_loop(Listen, Handle);
                {error, _} ->
                    ok
            end.
        
        %% inets httpd callback (httpd's module API), as Riak's own HTTP interface sits on an Erlang web server.
        do(ModData) ->
            Reply = case {ModData#mod.method, ModData#mod.request_uri} of
                        {"GET", "/ping"} -> ping_reply(persistent_term:get(riak_standin_data_dir));
                        _ -> {404, <<"not found">>}
                    end,
            {Code, Body} = Reply,
            {proceed, [{response, {response, [{code, Code}, {content_type, "text/plain"},
                                               {content_length, integer_to_list(byte_size(Body))}], [Body]}}]}.

        ping_reply(DataDir) ->
            case file:read_file(filename:join(DataDir, "standin-unhealthy")) of
                {ok, Flag} ->
                    case string:trim(binary_to_list(Flag)) of
                        "body" -> {200, <<"PONG">>};
                        _ -> {500, <<"stand-in made unhealthy">>}
                    end;
                {error, _} ->
                    {200, <<"OK">>}
            end.
        
        
        %% Cluster state, in one process: the members (this node's view of the ring), the claimant that holds
        %% staged changes, and whether the staged plan was reviewed (Riak refuses a commit before a plan).
        state_loop(State) ->
            receive
                {From, get} -> From ! {?STATE, State}, state_loop(State);
                {From, {put, New}} -> From ! {?STATE, ok}, state_loop(New)
            end.
        
        get_state() -> call(get).
        put_state(State) -> call({put, State}).
        call(Request) ->
            ?STATE ! {self(), Request},
            receive {?STATE, Reply} -> Reply after 5000 -> exit(state_timeout) end.
        
        ring() -> maps:get(members, get_state()).
        ring_size() -> maps:get(ring_size, get_state()).
        claimant() -> maps:get(claimant, get_state()).
        
        stage(Change) ->
            State = get_state(),
            Staged = maps:get(staged, State),
            put_state(State#{staged := Staged ++ [Change] -- Staged, planned := false}).
        
        set_ring(Members, Claimant) ->
            State = get_state(),
            put_state(State#{members := Members, claimant := Claimant, staged := [], planned := false}).
        
        %% riak-admin, run on this node: returns {Output, ExitStatus}, and records the call on the node's stdout.
        admin(Args) ->
            {_, Status} = Result = command(Args),
            io:format(user, "riak-admin ~s -> ~p; nodes() ~p~n", [lists:join(" ", Args), Status, lists:sort(nodes())]),
            Result.

        command(["cluster", "join", Target]) -> join(list_to_atom(Target));
        command(["cluster", "leave"]) -> leave();
        command(["cluster", "plan"]) -> on_claimant(plan);
        command(["cluster", "commit"]) -> on_claimant(commit);
        command(["ringready"]) -> ringready();
        command(["transfers"]) -> on_claimant(transfers);
        command(Args) -> {io_lib:format("Usage: riak-admin { cluster | ringready | transfers } (stand-in; got ~p)~n", [Args]), 1}.

        leave() ->
            case rpc:call(claimant(), ?MODULE, stage, [{leave, node()}]) of
                ok -> {io_lib:format("Success: staged leave request for ~p~n", [node()]), 0};
                Other -> {io_lib:format("Failed: claimant ~p: ~p~n", [claimant(), Other]), 1}
            end.
        
        join(Target) ->
            Text = atom_to_list(Target),
            case net_adm:ping(Target) of
                pang -> {io_lib:format("Node ~s is not reachable!~n", [Text]), 1};
                pong ->
                    case rpc:call(Target, ?MODULE, ring_size, []) =:= ring_size() of
                        false -> {io_lib:format("Failed: ~s has a different ring_creation_size~n", [Text]), 1};
                        true ->
                            Claimant = rpc:call(Target, ?MODULE, claimant, []),
                            ok = rpc:call(Claimant, ?MODULE, stage, [{join, node()}]),
                            State = get_state(),
                            ok = put_state(State#{claimant := Claimant}),
                            {io_lib:format("Success: staged join request for ~p to ~p~n", [node(), Target]), 0}
                    end
            end.
        
        on_claimant(Command) ->
            case rpc:call(claimant(), ?MODULE, Command, []) of
                {badrpc, Reason} -> {io_lib:format("Claimant ~p is not reachable: ~p~n", [claimant(), Reason]), 1};
                Result -> Result
            end.
        
        plan() ->
            State = get_state(),
            case maps:get(staged, State) of
                [] -> {"There are no staged changes\n", 0};
                Staged ->
                    ok = put_state(State#{planned := true}),
                    Line = lists:duplicate(79, $-),
                    Rows = [io_lib:format("~-15s~p~n", [Action, Node]) || {Action, Node} <- Staged],
                    {[lists:duplicate(31, $=), " Staged Changes ", lists:duplicate(32, $=), "\n",
                      "Action         Details(s)\n", Line, "\n", Rows, Line, "\n\n\n",
                      "NOTE: Applying these changes will result in 1 cluster transition\n"], 0}
            end.
        
        commit() ->
            State = get_state(),
            case {maps:get(staged, State), maps:get(planned, State)} of
                {[], _} -> {"You must verify the plan with 'riak-admin cluster plan' before committing\n", 1};
                {_, false} -> {"You must verify the plan with 'riak-admin cluster plan' before committing\n", 1};
                {Staged, true} ->
                    Leaving = [Node || {leave, Node} <- Staged],
                    Members = lists:usort(maps:get(members, State) ++ [Node || {join, Node} <- Staged]) -- Leaving,
                    Results = [rpc:call(Node, ?MODULE, set_ring, [Members, node()]) || Node <- Members]
                        ++ [rpc:call(Node, ?MODULE, hand_off, []) || Node <- Leaving],
                    case lists:all(fun(R) -> R =:= ok end, Results) of
                        true ->
                            ok = put_state((get_state())#{leaving := lists:usort(maps:get(leaving, get_state()) ++ Leaving)}),
                            {"Cluster changes committed\n", 0};
                        false -> {io_lib:format("Unable to commit cluster changes: ~p~n", [Results]), 1}
                    end
            end.
        
        %% A leaving node hands its partitions off, then stops, as Riak does once its leave is complete.
        hand_off() ->
            spawn(fun() ->
                          io:format(user, "leaving: handing off ~p partitions~n", [ring_size()]),
                          timer:sleep(1000),
                          io:format(user, "leaving: handoff complete; stopping~n", []),
                          init:stop()
                  end),
            ok.

        %% On the claimant: the leaving nodes that still run are handing off.
        transfers() ->
            State = get_state(),
            Handing = [Node || Node <- maps:get(leaving, State), net_adm:ping(Node) =:= pong],
            ok = put_state(State#{leaving := Handing}),
            case Handing of
                [] -> {"No transfers active\n\nActive Transfers:\n\n", 0};
                _ -> {[io_lib:format("~p waiting to handoff ~p partitions~n", [Node, ring_size()]) || Node <- Handing]
                      ++ "\nActive Transfers:\n\n", 0}
            end.

        ringready() ->
            Members = ring(),
            Rings = [{Node, rpc:call(Node, ?MODULE, ring, [], 5000)} || Node <- Members],
            case [Node || {Node, {badrpc, _}} <- Rings] of
                [] ->
                    case lists:usort([R || {_, R} <- Rings]) of
                        [_] -> {io_lib:format("TRUE All nodes agree on the ring ~p~n", [Members]), 0};
                        _ -> [{N1, R1} | _] = Rings,
                             [{N2, _} | _] = [X || {_, R} = X <- Rings, R =/= R1],
                             {io_lib:format("FALSE Node ~p and ~p list different partition owners~n", [N1, N2]), 1}
                    end;
                Down ->
                    {io_lib:format("FALSE ~p down.  All nodes need to be up to check.~n", [Down]), 1}
            end.

        """;
}
