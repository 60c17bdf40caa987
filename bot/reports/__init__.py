"""A program report's outputs outside Discord: the PNG chart and the ``mentorbot report`` export.

The figures themselves are computed by ``bot.services.reports``; ``charts.py`` draws them (also
for the ``/report`` command) and ``export.py`` writes reports and the research CSV to a folder.
"""
