"""paramiko's part of tests/integration/sftp_clients/session (see there): one SFTP session.

Run with /usr/bin/python3 (Debian's python3-paramiko). The server and the identity come from
SFTP_HOST, SFTP_PORT, SFTP_USER, SFTP_KEY and SFTP_KNOWN_HOSTS; the host key is checked.
Refused operations print "refusal OP: status N (message)" with the SFTP status code the server
answered, which paramiko's exceptions alone do not tell.
"""
import os
import sys

import paramiko
from paramiko import sftp_client

last_status = None
_convert_status = sftp_client.SFTPClient._convert_status


def _recording_convert_status(self, msg):
    """Remembers the status code of each STATUS reply before paramiko turns it into an error."""
    global last_status
    at = msg.packet.tell()
    last_status = msg.get_int()
    msg.packet.seek(at)
    return _convert_status(self, msg)


sftp_client.SFTPClient._convert_status = _recording_convert_status


def connect():
    client = paramiko.SSHClient()
    client.load_host_keys(os.environ["SFTP_KNOWN_HOSTS"])
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.connect(os.environ["SFTP_HOST"], port=int(os.environ["SFTP_PORT"]),
                   username=os.environ["SFTP_USER"], key_filename=os.environ["SFTP_KEY"],
                   allow_agent=False, look_for_keys=False, timeout=60)
    return client


def matrix(sftp, name):
    sftp.put("upload.bin", f"inbox/{name}.bin")
    for entry in sftp.listdir("inbox"):
        print(entry)
    sftp.get("outbox/result.bin", "download.bin")
    sftp.rename(f"inbox/{name}.bin", f"inbox/{name}.done")
    sftp.remove(f"inbox/{name}.done")


def refusal(op, action):
    global last_status
    last_status = None
    try:
        action()
        print(f"refusal {op}: allowed")
    except IOError as e:
        print(f"refusal {op}: status {last_status} ({e})")


def refusals(sftp, name):
    def outbox_write():
        with sftp.open(f"outbox/{name}.bin", "wb") as f:
            f.write(b"refused\n")

    def outside_write():
        with sftp.open(f"../{name}.escape", "wb") as f:
            f.write(b"refused\n")

    refusal("outbox-write", outbox_write)
    refusal("symlink", lambda: sftp.symlink(f"inbox/{name}.bin", f"inbox/{name}.link"))
    refusal("outside-read", lambda: sftp.get("/etc/passwd", "passwd.txt"))
    refusal("outside-write", outside_write)


def sparse(sftp, name):
    """The issue's example: a 2-byte write 500 MiB into a new file."""
    with sftp.open(f"inbox/{name}", "wb") as f:
        f.seek(500 << 20)
        f.write(b"x\n")


def main():
    mode, name = sys.argv[1], sys.argv[2]
    client = connect()
    try:
        sftp = client.open_sftp()
        {"matrix": matrix, "refusals": refusals, "sparse": sparse}[mode](sftp, name)
        sftp.close()
    finally:
        client.close()


if __name__ == "__main__":
    main()
