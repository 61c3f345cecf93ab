"""circle's public Streamlit app: the resident page alone, for the open internet (``circle serve --public``).

No planner code is imported: there is nothing to sign in to and no page that
builds, uploads or saves.
"""

from circle.ui.app import main

main("public")
