"""PyInstaller runtime hook: runs in the frozen app before Briefer's own code.

The app carries the build machine's OpenSSL, which looks for the system's CA
certificates where the build machine keeps them (/usr/lib/ssl on Debian).  On
another Linux (Fedora, Arch, openSUSE) they live elsewhere, and every TLS
connection (sending mail, fetching feeds) would fail certificate checks.  When
neither SSL_CERT_FILE nor SSL_CERT_DIR is set and the built-in place is empty,
point OpenSSL at the system's bundle (so an organisation's own CAs, installed
the usual way, are trusted), else at certifi's bundle that ships in the app.
"""

import os
import ssl
import sys

_SYSTEM_BUNDLES = (
    "/etc/ssl/certs/ca-certificates.crt",  # Debian, Ubuntu, Arch, Gentoo
    "/etc/pki/tls/certs/ca-bundle.crt",  # Fedora, RHEL
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",  # Fedora, RHEL (newer)
    "/etc/ssl/ca-bundle.pem",  # openSUSE
    "/etc/ssl/cert.pem",  # Alpine, Arch
)


def _point_openssl_at_certificates() -> None:
    if not sys.platform.startswith("linux"):
        return
    if os.environ.get("SSL_CERT_FILE") or os.environ.get("SSL_CERT_DIR"):
        return
    defaults = ssl.get_default_verify_paths()
    if (defaults.cafile and os.path.isfile(defaults.cafile)) or (
        defaults.capath and os.path.isdir(defaults.capath) and os.listdir(defaults.capath)
    ):
        return
    for bundle in _SYSTEM_BUNDLES:
        if os.path.isfile(bundle):
            os.environ["SSL_CERT_FILE"] = bundle
            return
    try:
        import certifi
    except ImportError:
        return
    os.environ["SSL_CERT_FILE"] = certifi.where()


_point_openssl_at_certificates()
