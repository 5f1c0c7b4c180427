from layerguard.cli import main

main()
