"""circle's Streamlit app: the resident page for everyone, the planner's pages after sign-in (circle/ui/app.py)."""

from circle.ui.app import main

main()
