"""Owners' votes (业主共同决定事项): motions, electorate, ballots and their exact tally.

``tally``, ``chain``, ``electorate`` and ``recount`` are pure: they import nothing of the
app, so ``python -m backend.votes.recount`` runs without a server or a database.
"""
