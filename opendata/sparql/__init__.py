"""The read-only SPARQL 1.1 query service.

``guard`` decides what the endpoint agrees to run, ``results`` what a query gives
back and in which formats, ``building`` makes each data version's Oxigraph store on
disk, ``evaluation`` runs one query against it inside a query process, walled in by
``sandbox``, ``tasks`` is what is sent to such a process, ``workers`` keeps those
processes and stops any that overruns the time limit, ``engine`` is what the web
layer talks to, ``description`` says all that about the service in RDF, and
``examples`` are the example queries shown to people.
"""
