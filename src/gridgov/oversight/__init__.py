"""一聘三督: residents appointed as supervisors of a street or community, their inspections and findings."""
