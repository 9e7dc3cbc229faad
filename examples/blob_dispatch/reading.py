"""The data class that producers and listeners share (the dispatcher does not have it)."""
from Pyro5.api import register_class_to_dict, register_dict_to_class

CLASS = "blobdispatch.Reading"


class Reading:
    def __init__(self, source, sensor, value):
        self.source, self.sensor, self.value = source, sensor, value

    def __str__(self):
        return "Reading(%s=%s, from %s)" % (self.sensor, self.value, self.source)


register_class_to_dict(Reading, lambda r: {"__class__": CLASS, "source": r.source, "sensor": r.sensor, "value": r.value})
register_dict_to_class(CLASS, lambda _name, d: Reading(d["source"], d["sensor"], d["value"]))
