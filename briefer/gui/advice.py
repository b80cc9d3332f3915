"""The window's words for the core's typed errors: the core states the fact, this adds what to do.

The core's errors (MailError, AccountError, FeedError, a feed's FetchResult)
carry a typed reason and the facts; the advice here names the window's own
menus and fields, as `keychain.window_advice` does for the keychain.  The
command line words the same reasons for its user (cli_distribution, cli_feeds).
"""

from __future__ import annotations

from briefer.core.credentials import CredentialsUnavailable, KeychainProblem
from briefer.core.distribution.accounts import AccountError, AccountProblem
from briefer.core.distribution.mail import MailError, MailProblem
from briefer.core.distribution.subscriptions import FeedError, FeedProblem
from briefer.gui.distribution.keychain import ACCOUNTS_MENU, window_advice

FEEDS_MENU = "Settings \u2192 Feeds"
ALLOW_INSECURE = "Allow the login over plain http:// (unencrypted)"  # the Feeds dialog's tick box
ADD_AGAIN = f"remove the feed and add it again with its user name and password in {FEEDS_MENU}"


def mail_advice(exc: MailError) -> str:
    """What to do in the window after a send failed ("" when nothing helps)."""
    reason = exc.reason
    if reason is MailProblem.AUTH:
        return (
            f"Change the account's password in {ACCOUNTS_MENU}; a password you typed is asked for again "
            "at the next Send."
        )
    if reason is MailProblem.NO_PASSWORD:
        return f"Type it in {ACCOUNTS_MENU}."
    if reason is MailProblem.CERTIFICATE:
        if exc.cafile:
            return f"Choose a CA file of PEM certificates in {ACCOUNTS_MENU}."
        return (
            "Briefer only sends to servers it can verify: check the server's name, or, if your organisation "
            f"runs its own certificate authority, choose its CA file in {ACCOUNTS_MENU}."
        )
    if reason is MailProblem.NO_STARTTLS:
        return (
            f"Check the port in {ACCOUNTS_MENU} (587 for STARTTLS, 465 for TLS), or ask your mail "
            "administrator."
        )
    if reason is MailProblem.TLS and exc.security == "tls":
        return (
            f"The port may expect STARTTLS rather than TLS: change the account's security in {ACCOUNTS_MENU}."
        )
    if reason in (MailProblem.TIMEOUT, MailProblem.DISCONNECTED) and exc.security == "starttls":
        return (
            f"The port may expect TLS (usually port 465): change the account's security in {ACCOUNTS_MENU}."
        )
    if reason is MailProblem.REFUSED:
        return (
            f"Check the host and port of the account in {ACCOUNTS_MENU}, and that you are on a network that "
            "reaches the server."
        )
    return ""


def account_advice(exc: AccountError) -> str:
    if exc.problem is AccountProblem.SECRET_IN_FILE:
        return f"Remove it from the file, and type the password in {ACCOUNTS_MENU} instead."
    if exc.problem in (AccountProblem.UNKNOWN, AccountProblem.NONE_SET_UP) and not exc.known:
        return f"Add one in {ACCOUNTS_MENU}."
    return ""


def feed_advice(problem: FeedProblem | None, keychain: KeychainProblem | None = None) -> str:
    """What to do in the window about a feed's problem ("" when nothing helps)."""
    advice = {
        FeedProblem.LOGIN_IN_ADDRESS: "Type them in the User name and Password or token fields instead.",
        FeedProblem.SECRET_IN_FILE: f"Remove it from the file; a feed's login is typed in {FEEDS_MENU}.",
        FeedProblem.INSECURE: (
            f"Use its https:// address, or add it again with \u201c{ALLOW_INSECURE}\u201d ticked "
            f"in {FEEDS_MENU}."
        ),
        FeedProblem.NO_SECRET: f"To give it one, {ADD_AGAIN}.",
        FeedProblem.WRONG_KIND: f"To give it its own login, {ADD_AGAIN}.",
        FeedProblem.LOGIN_REFUSED: f"If the login changed, {ADD_AGAIN}.",
        FeedProblem.LOGIN_NEEDED: f"To log in, {ADD_AGAIN}.",
        FeedProblem.ACCESS_REFUSED: f"If the feed needs a login, {ADD_AGAIN}.",
    }
    if problem is FeedProblem.KEYCHAIN:
        return window_advice(keychain)
    return advice.get(problem, "") if problem is not None else ""


def in_words(exc: object) -> str:
    """A core error as the window says it: the fact (capitalised), then what to do here."""
    advice = ""
    if isinstance(exc, MailError):
        advice = mail_advice(exc)
    elif isinstance(exc, AccountError):
        advice = account_advice(exc)
    elif isinstance(exc, FeedError):
        advice = feed_advice(exc.problem)
    elif isinstance(exc, CredentialsUnavailable):
        advice = window_advice(exc.problem)
    return joined(str(exc), advice)


def joined(fact: str, advice: str, *, capitalised: bool = True) -> str:
    """ "The fact. The advice." (the fact's first letter kept as it is when not `capitalised`)"""
    if capitalised:
        fact = fact[:1].upper() + fact[1:]
    if advice and not fact.endswith((".", "!", "?")):
        fact += "."
    return " ".join(filter(None, (fact, advice)))
