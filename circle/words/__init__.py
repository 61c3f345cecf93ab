"""Words for what a study found, said the same way by every face (the CLI, the app, the report, the site).

- :mod:`circle.words.findings`: a category's completeness verdict, whom a coverage counts, its share and notes;
- :mod:`circle.words.places`: what to call a block (its name, its streets, its community).

These read the study folder's records and say them; they compute nothing.
"""
