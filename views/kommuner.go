package views

// KommunerPath is the address of *Kommuner*, the platform administrator's list of the 98
// kommuner (T3).
const KommunerPath = "/kommuner"

// AlleBrugerePath is the address of *Alle brugere*, every user of every kommune (T3).
const AlleBrugerePath = "/alle-brugere"
