"""The dashboard's pages: the program, a group, matching, and the exports."""
