"""The archive in Datasette. What is served is built by storage.serving (prepare, publish); here:

    server      serve(): publish when needed, then run the site (settings)
    supervisor  the listening socket and the worker processes: swap on publish, replace when fat or stuck
    worker      one Datasette process on one leased snapshot
    guard       per-request limits (deadline, concurrency, body sizes, safety headers) — ASGI middleware
    metadata    titles, descriptions, facets, canned queries, dashboards, map
    plugins/    the Datasette plugin (search functions, limits, routes)

See docs/api.md."""
