"""One builder per area of the site; demo/seed.py runs them in order."""
