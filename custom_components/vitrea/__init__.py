"""Vitrea for Home Assistant."""
