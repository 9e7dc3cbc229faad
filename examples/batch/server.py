"""The Python side of the batch example: a calculator with a deliberate failure."""
import sys

import Pyro5.api


@Pyro5.api.expose
class Calculator:
    def add(self, a, b):
        return a + b

    def multiply(self, a, b):
        return a * b

    def divide(self, a, b):
        return a / b


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9999
    Pyro5.api.serve({Calculator: "example.calculator"}, host="localhost", port=port, use_ns=False)


if __name__ == "__main__":
    main()
