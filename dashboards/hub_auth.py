"""Signing in to a user's own dashboards server on a network's hub.

Each hub user's server is a standalone Voilà (:mod:`dashboards.hub`), which
takes its sign-in from Jupyter Server's identity-provider interface
(``--Voila.identity_provider_class``). This one is JupyterHub's own OAuth
identity provider (the one ``jupyterhub-singleuser`` uses) with two changes:

* **the server's owner only**: the hub lets admins (the network lead) into
  other users' servers; here anyone but the owner (``JUPYTERHUB_USER``) is
  refused, because the pages decide whose school and plans to show from the
  server's owner (:func:`dashboards.identity.hub_visitor`);
* its two pages (the OAuth callback and sign-out) are put under the server's
  prefix, as Voilà (unlike Jupyter Server) does not prefix them itself.

A signed-out visitor is sent to the hub's sign-in page.
"""

from __future__ import annotations

import os

from jupyterhub.singleuser.extension import JupyterHubIdentityProvider
from jupyterhub.utils import url_path_join
from tornado.web import HTTPError


class OwnerOnlyIdentityProvider(JupyterHubIdentityProvider):
    """JupyterHub sign-in for a Voilà server that only its owner may open."""

    async def get_user(self, handler):
        user = await super().get_user(handler)
        owner = os.environ.get("JUPYTERHUB_USER", "")
        if user is not None and (not owner or user.username != owner):
            self.log.warning("Refused %s on %s's server", user.username, owner)
            handler._jupyterhub_user = None

            def refuse(*args, **kwargs):
                raise HTTPError(403, "This is another person's dashboards server.")

            handler.redirect = refuse  # @authenticated would redirect to sign in: refuse
            return None
        return user

    def get_handlers(self):
        prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/")
        return [(url_path_join(prefix, path), *rest) for path, *rest in super().get_handlers()]
