"""Who may write: owners, admins and developers of the merchant org; operators edit import rates."""

from __future__ import annotations

from typing import Annotated

from digiplus.core.api.auth import requires
from digiplus.core.context import Caller
from digiplus.core.permissions import grant

grant("admin", "commerce.write", "commerce.operate")
grant("developer", "commerce.write")

Writer = Annotated[Caller, requires("commerce.write")]
