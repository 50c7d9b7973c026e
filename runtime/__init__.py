"""Running processes and command lines: the servers, the production layout, channels, retention and
the staff commands. Built on bot/ (the assistant's logic), rasa_ext/ and actions/."""
