# A multiprocessing pool (fork start method): 4 workers touch fresh memory.
# With AVT_READY set, it creates that file once the work is done while every
# worker is still alive, and waits for SIGUSR1 (the test takes a checkpoint).
import multiprocessing as mp
import os
import signal
import sys


def work(n):
    buf = bytearray(n * 4096)
    for i in range(0, len(buf), 4096):
        buf[i] = 1
    return sum(buf)


if __name__ == "__main__":
    tasks = int(sys.argv[1]) if len(sys.argv) > 1 else 64
    mp.set_start_method("fork")
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
    with mp.Pool(4) as p:
        r = p.map(work, [8 + i % 24 for i in range(tasks)], chunksize=4)
        ready = os.environ.get("AVT_READY")
        if ready:
            open(ready, "w").close()
            signal.sigwait({signal.SIGUSR1})
    print(len(r), sum(r))
