"""Streamlit pages over the circle package: thin views, no analysis logic."""
