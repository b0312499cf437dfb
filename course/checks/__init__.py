"""Checks for the chapters' exercises: one module per chapter, named like its folder under source/.

Each public function checks one thing and raises AssertionError with a sentence a student can act on.
"""
