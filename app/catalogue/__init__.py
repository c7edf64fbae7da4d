"""Value catalogues such as the Waardenkaart: groups, clusters, values, opvattingen."""
