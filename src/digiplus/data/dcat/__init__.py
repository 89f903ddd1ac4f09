"""DCAT-AP 3 out and in: records, export (JSON-LD, Turtle) and harvest (DCAT, CKAN, data.gov.tw).

Pure where it can be: records and parsers know nothing of the database; the
data module's ``service/harvest.py`` writes harvested records into the catalogue.
"""
