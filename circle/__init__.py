"""circle: a 15-minute living-circle accessibility analyzer."""

__version__ = "0.1.0"
