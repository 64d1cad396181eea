"""Every namespace the service speaks, declared once.

schema.org first; W3C ORG, SKOS, PROV, FOAF, vCard, DCAT, Dublin Core, VoID and Hydra
where schema.org has no term. We use rdflib's closed namespaces where rdflib ships
them, so a misspelt term fails loudly instead of publishing a property that does not
exist. schema.org is used with its canonical ``https://schema.org/`` IRIs (rdflib's
``SDO``), also in the JSON-LD context published from ``vocab/``.
"""

from rdflib import Namespace
from rdflib.namespace import (
    DCAT,
    DCTERMS,
    FOAF,
    ORG,
    OWL,
    PROV,
    RDF,
    RDFS,
    SDO,
    SKOS,
    VOID,
    XSD,
    ClosedNamespace,
)

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
# The terms of DCAT-AP.de 3.0 (its SHACL shapes name each of them).
DCATDE_TERMS = (
    "contributorID",
    "geocodingDescription",
    "legalBasis",
    "licenseAttributionByText",
    "maintainer",
    "originator",
    "politicalGeocodingLevelURI",
    "politicalGeocodingURI",
    "qualityProcessURI",
)
DCATDE = ClosedNamespace("http://dcat-ap.de/def/dcatde/", DCATDE_TERMS)
DCATAP = Namespace("http://data.europa.eu/r5r/")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")

# Controlled vocabularies whose concepts the DCAT catalogue uses as values.
EU_DATA_THEME = Namespace("http://publications.europa.eu/resource/authority/data-theme/")
EU_FILE_TYPE = Namespace("http://publications.europa.eu/resource/authority/file-type/")
EU_LANGUAGE = Namespace("http://publications.europa.eu/resource/authority/language/")
IANA_MEDIA_TYPE = Namespace("http://www.iana.org/assignments/media-types/")
ADMS_PUBLISHER_TYPE = Namespace("http://purl.org/adms/publishertype/")
DCATDE_LICENSE = Namespace("http://dcat-ap.de/def/licenses/")
DCATDE_GEOCODING = Namespace("http://dcat-ap.de/def/politicalGeocoding/")
# W3C's IRIs of media formats (void:feature, sd:resultFormat).
W3C_FORMATS = Namespace("http://www.w3.org/ns/formats/")

# Prefix → namespace, for every serialisation and for the JSON-LD context.
PREFIXES: dict[str, Namespace] = {
    "schema": Namespace(str(SDO)),
    "org": Namespace(str(ORG)),
    "skos": Namespace(str(SKOS)),
    "prov": Namespace(str(PROV)),
    "foaf": Namespace(str(FOAF)),
    "vcard": VCARD,
    "dcat": Namespace(str(DCAT)),
    "dct": Namespace(str(DCTERMS)),
    "dcatde": Namespace(str(DCATDE)),
    "dcatap": DCATAP,
    "adms": ADMS,
    "locn": LOCN,
    "void": Namespace(str(VOID)),
    "hydra": HYDRA,
    "sd": SD,
    "owl": Namespace(str(OWL)),
    "rdf": Namespace(str(RDF)),
    "rdfs": Namespace(str(RDFS)),
    "xsd": Namespace(str(XSD)),
}

# Properties whose value names a resource in human-readable pages and neighbour labels.
LABEL_PROPERTIES = (SDO.name, SKOS.prefLabel, DCTERMS.title)

__all__ = [
    "ADMS",
    "ADMS_PUBLISHER_TYPE",
    "DCAT",
    "DCATAP",
    "DCATDE",
    "DCATDE_GEOCODING",
    "DCATDE_LICENSE",
    "DCATDE_TERMS",
    "DCTERMS",
    "EU_DATA_THEME",
    "EU_FILE_TYPE",
    "EU_LANGUAGE",
    "FOAF",
    "HYDRA",
    "IANA_MEDIA_TYPE",
    "LABEL_PROPERTIES",
    "LOCN",
    "ORG",
    "OWL",
    "PREFIXES",
    "PROV",
    "RDF",
    "RDFS",
    "SD",
    "SDO",
    "SKOS",
    "VCARD",
    "VOID",
    "W3C_FORMATS",
    "XSD",
]
