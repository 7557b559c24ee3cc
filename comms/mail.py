"""Sending one bulletin copy so that a worker killed at any moment sends nobody a second copy.

SMTP accepts a message only when the client ends its data with a line holding a single dot
(RFC 5321, 4.1.1.4); a connection that drops before then delivers nothing. So the copy is
written to the server up to that dot, the database records it as sent and commits, and only
then is the dot sent. A worker that dies before the commit leaves the copy leased and unsent
(the server discards the unfinished message) and another worker sends it later; one that dies
after the commit has finished the message, or dies in the microseconds between the commit and
writing five bytes, which would lose that one copy rather than send it twice. If the server
refuses the finished message, the caller puts the copy back in the queue with the reason.

Messages are still built and addressed by Django's mail framework (EmailMessage, its SMTP
backend's connection and address handling); only the order of the last two steps is ours.
"""

from __future__ import annotations

import re
import smtplib
import socket

from django.core.mail.backends.smtp import EmailBackend
from django.core.mail.message import sanitize_address

_LINE_START_DOT = re.compile(rb"(?m)^\.")
_BARE_NEWLINE = re.compile(rb"(?<!\r)\n|\r(?!\n)")


def two_phase(connection) -> bool:
    return isinstance(connection, EmailBackend)


def send_then_commit(connection: EmailBackend, message, commit) -> None:
    """Send ``message`` on Django's SMTP ``connection``, calling ``commit()`` after all its data
    and before the final dot. Raises smtplib's errors (after commit too: the caller undoes)."""
    if connection.connection is None:
        connection.open()
    smtp = connection.connection
    if smtp.sock is not None:
        # The final dot is a second small write after the data: without this, Nagle's
        # algorithm holds it until the server's delayed ACK, 40 ms a message.
        smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    encoding = message.encoding or "utf-8"
    sender = sanitize_address(message.from_email, encoding)
    recipients = [sanitize_address(a, encoding) for a in message.recipients()]
    data = message.message().as_bytes(linesep="\r\n")
    smtp.ehlo_or_helo_if_needed()
    code, reply = smtp.mail(sender)
    if code != 250:
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    refused = {}
    for recipient in recipients:
        code, reply = smtp.rcpt(recipient)
        if code not in (250, 251):
            refused[recipient] = (code, reply)
    if len(refused) == len(recipients):
        smtp.rset()
        raise smtplib.SMTPRecipientsRefused(refused)
    code, reply = smtp.docmd("data")
    if code != 354:
        raise smtplib.SMTPDataError(code, reply)
    body = _LINE_START_DOT.sub(b"..", _BARE_NEWLINE.sub(b"\r\n", data))
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    smtp.send(body)
    commit()
    smtp.send(b".\r\n")
    code, reply = smtp.getreply()
    if code != 250:
        raise smtplib.SMTPDataError(code, reply)
