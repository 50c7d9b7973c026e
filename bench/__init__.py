"""`make bench`: accuracy, training, start-up, latency, throughput and memory, measured on the real
servers for this project's configuration and for Rasa's default (`rasa init`) configuration."""
