# A pre-fork server: the parent binds a loopback socket and forks WORKERS
# processes that each accept() connections and answer; a forked client
# process sends REQUESTS requests; then the parent stops the workers.
# Used to make traces/prefork.avt (see traces/README.md).
import os
import signal
import socket
import sys

WORKERS = 4
REQUESTS = int(sys.argv[1]) if len(sys.argv) > 1 else 400


def serve(sock):
    cache = {}
    while True:
        conn, _ = sock.accept()
        with conn:
            n = int(conn.recv(64))
            # per-request memory: a fresh buffer, touched page by page,
            # plus a small cache that grows in the worker's heap
            buf = bytearray(4096 * (8 + n % 32))
            for i in range(0, len(buf), 4096):
                buf[i] = n & 0xff
            cache[n % 64] = bytes(buf[:1024])
            conn.sendall(b"%d %d\n" % (n, sum(buf)))


def client(port):
    total = 0
    for n in range(REQUESTS):
        with socket.create_connection(("127.0.0.1", port)) as c:
            c.sendall(b"%d" % n)
            total += int(c.makefile().readline().split()[1])
    print("client: %d requests, checksum %d" % (REQUESTS, total))


def main():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    port = sock.getsockname()[1]
    workers = []
    for _ in range(WORKERS):
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            serve(sock)
        workers.append(pid)
    cpid = os.fork()
    if cpid == 0:
        client(port)
        os._exit(0)
    os.waitpid(cpid, 0)
    for pid in workers:
        os.kill(pid, signal.SIGTERM)
    for pid in workers:
        os.waitpid(pid, 0)


if __name__ == "__main__":
    main()
