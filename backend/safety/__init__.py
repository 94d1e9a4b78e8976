"""Safety that is checked: lift and fire-system equipment on schedules, with check-ins."""
