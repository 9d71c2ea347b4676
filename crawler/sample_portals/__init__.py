"""Sample county portals served over real HTTP on 127.0.0.1, one port per portal (see server.py, manifest.json).

    from crawler.sample_portals import start_servers
    handle = start_servers(port_base=0)   # free ports
    handle.urls["630222"]                 # http://127.0.0.1:PORT
    handle.stop()
"""


def start_servers(port_base: int = 0, state=None, only=None):
    # imported lazily so `python -m crawler.sample_portals.server` does not import server.py twice
    from .server import start_servers as _start

    return _start(port_base, state, only)
