"""What the archive adds for serving, rebuilt from the base tables and never edited:

    browse     regions, application_rows, report_summary, pivots, and the light views
    coverage   the coverage ledger (county × year)
    search     the Chinese full-text index (character bigrams) and its SQL functions
    feeds      feed_* views (Atom / JSON) and their canned queries
    health     portal_health (also `nianbao status`)
    prepare    prepare(db): build all of it in one transaction, plus Datasette's inspect file
    publish    publish(working, served): a consistent prepared snapshot, swapped in atomically; leases
    limits     limit_connection(conn): what one SQL statement of the served site may cost
"""
