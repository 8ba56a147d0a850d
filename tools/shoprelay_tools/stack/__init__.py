"""template.yaml, read and brought to life on an AWS emulator (moto), for tests and `make run`."""
