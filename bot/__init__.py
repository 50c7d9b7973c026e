"""The clinic assistant's own logic, as plain Python that runs and tests without Rasa."""
