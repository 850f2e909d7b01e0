from .stack import main

main()
