#!/usr/bin/python3
"""A local SMTP server for the e-mail tests (Debian python3-aiosmtpd).

    smtp_server.py MODE OUTDIR

MODE: "ok" stores each message whole in OUTDIR/N.eml; "auth" demands a login
and refuses every one; "silent" accepts connections and never answers (a
timeout).  Listens on a free loopback port, prints it on one line, and runs
until it is sent SIGTERM (the test that started it stops it by its pid), or
two minutes at most, so that none is ever left behind.
"""
import os
import signal
import socket
import sys
import threading


def main():
    mode, outdir = sys.argv[1], sys.argv[2]
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    if mode == "silent":
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(5)
        print(s.getsockname()[1], flush=True)
        held = []
        threading.Thread(target=lambda: [held.append(s.accept()) for _ in iter(int, 1)], daemon=True).start()
        threading.Event().wait(120)
        return
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    class Store:
        n = 0

        async def handle_DATA(self, server, session, envelope):
            Store.n += 1
            with open(os.path.join(outdir, "%d.eml" % Store.n), "wb") as f:
                f.write(envelope.original_content or envelope.content)
            with open(os.path.join(outdir, "%d.rcpt" % Store.n), "w") as f:
                f.write(",".join(envelope.rcpt_tos))
            return "250 OK"

    def refuse(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=False, handled=False)

    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    kw = {}
    if mode == "auth":
        kw = dict(authenticator=refuse, auth_required=True, auth_require_tls=False)
    c = Controller(Store(), hostname="127.0.0.1", port=port, **kw)
    c.start()
    print(port, flush=True)
    threading.Event().wait(120)
    c.stop()


main()
