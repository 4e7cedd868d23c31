"""A stand-in for a Quobyte service (quobyte-registry, -metadata, -data, -api, -webconsole), for Drover's tests.

It reads the rendered configuration as Drover's QUOBYTE personality assumes the service does (see
executor/Personalities/Quobyte/README.md): host.cfg and <service>.cfg in $QUOBYTE_CONFIG_DIR, key=value
lines with '#' comments. It refuses to start without registry=, rpc.port or http.port, holds the RPC port
(and api.port / webconsole.port when set) and answers GET / on http.port with 200, as Quobyte's status page
does. SIGTERM stops it cleanly. Everything listens on 127.0.0.1.

Usage: python3 quobyte_standin.py quobyte-<service>
"""

import http.server
import os
import signal
import socket
import sys
import threading

SERVICES = ("registry", "metadata", "data", "api", "webconsole")


def fail(message):
    print(f"quobyte-standin: {message}", file=sys.stderr, flush=True)
    sys.exit(2)


def read_cfg(path):
    values = {}
    try:
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                if "=" not in line:
                    fail(f"{path}:{number}: not key=value: {line!r}")
                key, value = line.split("=", 1)
                values[key.strip()] = value.strip()
    except OSError as error:
        fail(f"cannot read {path}: {error}")
    return values


def port(values, key, path):
    text = values.get(key)
    if text is None:
        fail(f"{path} has no {key}")
    try:
        number = int(text)
    except ValueError:
        fail(f"{path}: {key}={text!r} is not a port")
    if not 0 < number < 65536:
        fail(f"{path}: {key}={number} is not a port")
    return number


def hold(port_number):
    """Listens on a port and closes whatever connects: the stand-in speaks no Quobyte RPC."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port_number))
    listener.listen(16)

    def accept():
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            connection.close()

    threading.Thread(target=accept, daemon=True).start()
    return listener


def main():
    if len(sys.argv) != 2 or not sys.argv[1].startswith("quobyte-"):
        fail("usage: quobyte_standin.py quobyte-<service>")
    service = sys.argv[1][len("quobyte-"):]
    if service not in SERVICES:
        fail(f"unknown service {service!r}")
    directory = os.environ.get("QUOBYTE_CONFIG_DIR")
    if not directory:
        fail("QUOBYTE_CONFIG_DIR is not set")

    host_cfg = os.path.join(directory, "host.cfg")
    registry = read_cfg(host_cfg).get("registry", "")
    if not registry:
        fail(f"{host_cfg} has no registry=")
    service_cfg = os.path.join(directory, f"{service}.cfg")
    values = read_cfg(service_cfg)
    rpc = port(values, "rpc.port", service_cfg)
    status = port(values, "http.port", service_cfg)

    listeners = [hold(rpc)]
    for extra in ("api.port", "webconsole.port"):
        if extra in values:
            listeners.append(hold(port(values, extra, service_cfg)))

    body = (f"quobyte-{service} stand-in\nregistry={registry}\nrpc.port={rpc}\n"
            f"uuid={values.get('uuid', '')}\n").encode("utf-8")

    class Status(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path != "/":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", status), Status)
    server.daemon_threads = True

    def stop(*_):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    print(f"quobyte-standin: {service} serving http {status}, rpc {rpc}, registry {registry}", file=sys.stderr, flush=True)
    server.serve_forever()
    server.server_close()
    for listener in listeners:
        listener.close()


if __name__ == "__main__":
    main()
