"""Cardiac-dipole model of labelled 12-lead ECGs; `ecgprint.sources.synthetic` is its public face."""
